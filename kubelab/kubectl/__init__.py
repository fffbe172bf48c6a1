"""kubectl, simulated: argument parsing, kubectl's table printers, describe, and output formats.

``Kubectl(source)("get pods -o wide")`` returns the text kubectl would print. The
source is anything implementing :class:`~kubelab.kubectl.source.Source` (``kubelab.Cluster``
does; :class:`~kubelab.kubectl.source.MemorySource` is a plain in-memory one).
"""

from .cli import Kubectl, KubectlError, Output
from .describe import describe
from .duration import human_duration, translate_timestamp_since
from .printers import print_table
from .source import ApiError, ApplyResult, MemorySource, Source

__all__ = [
    "ApiError",
    "ApplyResult",
    "Kubectl",
    "KubectlError",
    "MemorySource",
    "Output",
    "Source",
    "describe",
    "human_duration",
    "print_table",
    "translate_timestamp_since",
]
