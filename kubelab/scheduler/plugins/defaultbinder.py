"""DefaultBinder (plugins/defaultbinder/default_binder.go): POST the pods/binding
subresource through the API (the handle's ``bind``)."""

from __future__ import annotations

NAME = "DefaultBinder"


class DefaultBinder:
    name = NAME

    def __init__(self, handle=None):
        self.handle = handle

    def bind(self, state, pod, node_name):
        return self.handle.bind(pod, node_name)
