"""The deterministic simulation kernel: clock, events, processes, links, trace."""

from .kernel import Event, Interrupt, Process, Simulator, Timer, Trace, TraceRecord
from .network import Network

__all__ = ["Event", "Interrupt", "Network", "Process", "Simulator", "Timer", "Trace", "TraceRecord"]
