import os
import sys

import pytest

# reuse the hand-made cluster state of the kubectl tests
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "kubectl"))

from kubectl_samples import make_cluster  # noqa: E402


@pytest.fixture
def cluster():
    return make_cluster()
