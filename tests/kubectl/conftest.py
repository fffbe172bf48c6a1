"""Fixtures: a hand-made cluster state (see kubectl_samples.py)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from kubectl_samples import NOW, make_cluster  # noqa: E402,F401

from kubelab.kubectl import Kubectl  # noqa: E402


@pytest.fixture
def cluster():
    return make_cluster()


@pytest.fixture
def kubectl(cluster):
    return Kubectl(cluster)
