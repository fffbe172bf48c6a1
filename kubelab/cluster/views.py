"""``cluster.views``: the views the view layer registers (the registry itself is
:mod:`kubelab.sim.views`, so that models below the cluster, a bare ``EtcdCluster``, can
offer views too)."""

from __future__ import annotations

from kubelab.sim.views import Views, register_view

__all__ = ["Views", "register_view"]
