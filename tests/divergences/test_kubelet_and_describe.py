"""The kubelet pulls an imagePullPolicy: Always image before every container start
(pkg/kubelet/images/image_manager.go EnsureImageExists, called from
pkg/kubelet/kuberuntime/kuberuntime_container.go startContainer), and ``kubectl describe
node`` lists every hugepages size under Allocated resources
(staging/src/k8s.io/kubectl/pkg/describe/describe.go describeNodeResource)."""

import kubelab as kl


def cluster():
    c = kl.Cluster(masters=1, seed=1)
    c.add_node(kl.VM("vm-1", cpu="4", memory="16Gi"))
    return c


def crashing_pod(name, policy):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "annotations": {"sim.kubelab.io/run-seconds": "2",
                                                       "sim.kubelab.io/exit-code": "1"}},
            "spec": {"containers": [{"name": "c", "image": "busybox:1.36", "imagePullPolicy": policy}]}}


def reasons(c, name):
    pod = c.api.get("Pod", name)
    out = {}
    for e in c.api.events(pod):
        out.setdefault(e.reason, []).append((e.count or 1, e.message))
    return out


def test_pull_policy_always_pulls_on_every_start():
    c = cluster()
    c.apply(crashing_pod("always", "Always"))
    c.apply(crashing_pod("cached", "IfNotPresent"))
    c.run(60)
    always, cached = reasons(c, "always"), reasons(c, "cached")
    starts = sum(n for n, _ in always["Started"])
    assert starts >= 3
    assert sum(n for n, _ in always["Pulling"]) == starts
    assert all(m == 'Pulling image "busybox:1.36"' for _, m in always["Pulling"])
    assert all(m.startswith('Successfully pulled image "busybox:1.36" in ') for _, m in always["Pulled"])
    # IfNotPresent: the image the first start pulled is present for the restarts
    assert "Pulling" not in cached or sum(n for n, _ in cached["Pulling"]) == 1
    assert ('Container image "busybox:1.36" already present on machine' in {m for _, m in cached["Pulled"]})


def test_describe_node_lists_the_hugepages_sizes_under_allocated_resources():
    c = cluster()
    c.run(5)
    out = c.kubectl("describe node vm-1")
    table = out.split("Allocated resources:\n")[1].split("Events:")[0].splitlines()
    rows = [line.split() for line in table[1:]]
    assert rows[:2] == [["Resource", "Requests", "Limits"], ["--------", "--------", "------"]]
    # cpu and memory carry what the pods there request (kubeadm's CoreDNS may run on vm-1)
    assert [r[0] for r in rows[2:]] == ["cpu", "memory", "ephemeral-storage", "hugepages-1Gi", "hugepages-2Mi"]
    assert rows[4:] == [
        ["ephemeral-storage", "0", "(0%)", "0", "(0%)"],
        ["hugepages-1Gi", "0", "(0%)", "0", "(0%)"],
        ["hugepages-2Mi", "0", "(0%)", "0", "(0%)"],
    ]
    assert "  hugepages-1Gi:      0\n  hugepages-2Mi:      0\n" in out.split("Allocatable:")[1]
