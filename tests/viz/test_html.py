"""HTML cards: content, escaping, theme variables, determinism."""

import re

from kubelab.api import decode
from kubelab.viz import html


def test_pod_card_shows_status_containers_conditions_and_events(cluster):
    p = cluster.get("Pod", "web-7d4b9c8f5-abcde")
    out = html.object_html(p, now=cluster.now, events=cluster.events_for(p))
    assert '<span class="kl-kind">Pod</span><span>web-7d4b9c8f5-abcde</span>' in out
    assert "kl-pill kl-ok\">Running</span>" in out
    assert "<h5>Conditions</h5>" in out and "ContainersReady" in out
    assert "<code>nginx:1.27</code>" in out and "cpu=500m, memory=128Mi" in out
    assert "2m3s <span class=\"kl-muted\">ago</span>" in out
    assert "Successfully assigned default/web-7d4b9c8f5-abcde to vm-1" in out
    # the same input gives the same bytes
    assert out == html.object_html(p, now=cluster.now, events=cluster.events_for(p))


def test_css_uses_jupyterlab_variables_with_fallbacks():
    assert "var(--jp-ui-font-color1," in html.STYLE
    assert "var(--jp-layout-color1," in html.STYLE and "var(--jp-border-color2," in html.STYLE
    assert "--vscode-editor-foreground" in html.STYLE


def test_node_card_bars_compare_requests_with_allocatable(cluster):
    n = cluster.get("Node", "vm-1")
    pods = [p for p in cluster.list("Pod") if p.spec.node_name == "vm-1"]
    out = html.object_html(n, now=cluster.now, pods=pods)
    assert "500m of 4 requested" in out and "width:12%" in out
    assert "128Mi of 16Gi requested" in out
    assert "1 of 110 requested" in out
    assert "<h5>Taints</h5>" in out and "KubeletReady" in out


def test_cordoned_node_and_taints(cluster):
    n = cluster.get("Node", "cloud-1")
    n.spec.taints = decode({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "x"},
                            "spec": {"taints": [{"key": "gpu", "value": "true", "effect": "NoSchedule"}]}}).spec.taints
    out = html.object_html(n)
    assert "Ready,SchedulingDisabled" in out and "cordoned" in out and "gpu=true:NoSchedule" in out


def test_deployment_and_replicaset_cards(cluster):
    d = html.object_html(cluster.get("Deployment", "web"))
    assert "3/3 ready" in d and "RollingUpdate" in d and "MinimumReplicasAvailable" in d
    rs = html.object_html(cluster.get("ReplicaSet", "web-7d4b9c8f5"))
    assert "Deployment/web" in rs and "<dt>Revision</dt><dd>1</dd>" in rs


def test_service_card(cluster):
    out = html.object_html(cluster.get("Service", "web"), endpoints=cluster.get("Endpoints", "web"))
    assert "10.96.12.34" in out and "80/TCP" in out and "10.244.1.5:8080,10.244.0.7:8080" in out


def test_status_error_card_reads_like_kubectl():
    st = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404,
          "message": 'pods "x" not found', "details": {"name": "x", "kind": "pods"}}
    out = html.object_html(st)
    assert "Error from server (NotFound): pods &quot;x&quot; not found" in out
    assert "kl-err" in out and "<dd>404</dd>" in out
    assert html.status_text(st) == 'Error from server (NotFound): pods "x" not found'


def test_everything_is_escaped():
    cm = decode({"apiVersion": "v1", "kind": "ConfigMap",
                 "metadata": {"name": "x", "namespace": "default", "labels": {"a": "<script>"}}, "data": {"k": "<b>"}})
    out = html.object_html(cm)
    assert "<script>" not in out and "&lt;script&gt;" in out


def test_table_html_uses_kubectls_columns(cluster):
    out = html.table_html(cluster.list("Pod"), cluster.now, wide=True)
    assert "<th>NOMINATED NODE</th>" in out and "<th>READINESS GATES</th>" in out
    assert "kl-pill kl-warn\">Pending</span>" in out


def test_text_summaries_are_deterministic(cluster):
    assert html.object_text(cluster.get("Pod", "web-7d4b9c8f5-klmno")) == (
        "Pod default/web-7d4b9c8f5-klmno: Pending, 0/1 ready, 0 restarts, node <none>")
    assert html.object_text(cluster.get("Node", "cloud-1")) == "Node cloud-1: Ready,SchedulingDisabled, cpu 4, memory 16Gi"
    assert html.object_text(cluster.get("Deployment", "web")) == "Deployment default/web: 3/3 ready"


def test_models_are_shown_by_formatters_the_view_layer_registers(cluster):
    # models carry no _repr_html_: kubelab.viz registers an IPython formatter per model type
    from IPython.core.interactiveshell import InteractiveShell

    from kubelab import viz

    p = cluster.get("Pod", "web-7d4b9c8f5-abcde")
    assert not hasattr(type(p), "_repr_html_")
    shell = InteractiveShell.instance()
    viz.install(shell)
    data, _ = shell.display_formatter.format(p)
    assert data["text/html"] == html.object_html(p)


def test_events_card(cluster):
    out = html.events_html(cluster.list("Event"), cluster.now)
    assert "2s (x3 over 10s)" in out and "kl-pill kl-bad\">Warning</span>" in out


def test_cluster_and_master_cards_read_the_cluster_state(monkeypatch):
    import kubelab as kl
    from kubelab.viz import graphs

    monkeypatch.setattr(graphs, "find_dot", lambda refresh=False: None)
    c = kl.Cluster(masters=2, seed=7)
    c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    c.run(20)
    routed = (dict(c.load_balancer.routed), c.load_balancer._next)
    out = html.cluster_html(c)
    assert "Graphviz is not installed" in out  # the text view instead of the picture
    assert "2 members (stacked), leader master-" in out
    assert "<code>vm-1</code>" in out and "kl-pill" in out and ">Ready<" in out
    # a leader badge exactly where the Lease in kube-system names the master
    holders = c.state.lease_masters()
    assert set(holders) == {"kube-scheduler", "kube-controller-manager"}
    for m in c.masters:
        card = html.master_html(m)
        for comp in holders:
            row = re.search(rf"<td>{comp}</td><td>(.*?)</td>", card).group(1)
            assert ("leader</span>" in row) == (holders[comp] == m.name), (m.name, comp, row)
    assert (dict(c.load_balancer.routed), c.load_balancer._next) == routed  # looking moved nothing


def test_cards_take_time_and_related_objects_from_the_cluster_in_use(cluster):
    n = cluster.get("Node", "vm-1")
    alone = html.object_html(n)
    assert "pass pods= to see requests" in alone and "ago" not in alone
    html.use(cluster)
    try:
        out = html.object_html(n)
        assert "500m of 4 requested" in out and "59m <span class=\"kl-muted\">ago</span>" in out
        pod = html.object_html(cluster.get("Pod", "web-7d4b9c8f5-abcde"))
        assert "Successfully assigned default/web-7d4b9c8f5-abcde to vm-1" in pod
        # an object that is not the cluster's own (another uid) is shown alone
        other = n.copy_deep()
        other.metadata.uid = "someone-else"
        assert "pass pods= to see requests" in html.object_html(other)
    finally:
        html.use(None)
    assert html.object_html(n) == alone
