"""k8s.io/apimachinery/pkg/version.Info of the simulated binaries: kube-apiserver's (served at
``/version``, read by every ``kubectl version``) and the in-process kubectl's (``cluster.kubectl``).

Both are the v1.34.1 release build (tag v1.34.1, commit 93248f9a, built with go1.24.6), the
version kubeadm pins for the control plane images and the kubelets report. Since v1.33 (PR
#130019, k8s.io/component-base/version) the server adds its emulation version and its minimum
compatibility version (one minor lower); a client's Info leaves them out (omitempty). Each build
has its own buildDate: the kube-apiserver binary was built before kubectl.
"""

from __future__ import annotations

GIT_VERSION = "v1.34.1"
GIT_COMMIT = "93248f9ae092f571eb870b7664c534bfc7d00f03"
KUSTOMIZE_VERSION = "v5.7.1"  # the sigs.k8s.io/kustomize/kustomize/v5 that kubectl v1.34 vendors

# key order: version.Info's fields (encoding/json marshals a struct in field order)
SERVER_INFO: dict[str, str] = {
    "major": "1", "minor": "34", "emulationMajor": "1", "emulationMinor": "34",
    "minCompatibilityMajor": "1", "minCompatibilityMinor": "33",
    "gitVersion": GIT_VERSION, "gitCommit": GIT_COMMIT, "gitTreeState": "clean",
    "buildDate": "2025-09-09T19:37:20Z", "goVersion": "go1.24.6", "compiler": "gc", "platform": "linux/amd64",
}
CLIENT_INFO: dict[str, str] = {
    "major": "1", "minor": "34",
    "gitVersion": GIT_VERSION, "gitCommit": GIT_COMMIT, "gitTreeState": "clean",
    "buildDate": "2025-09-09T19:44:50Z", "goVersion": "go1.24.6", "compiler": "gc", "platform": "linux/amd64",
}

__all__ = ["CLIENT_INFO", "GIT_COMMIT", "GIT_VERSION", "KUSTOMIZE_VERSION", "SERVER_INFO"]
