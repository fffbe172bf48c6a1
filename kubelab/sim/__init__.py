"""The deterministic simulation kernel: clock, events, processes, links, trace."""

from .kernel import Event, Interrupt, Process, Simulator, Timer, Trace, TraceRecord
from .journal import Action, Journal, journaled
from .network import Network

__all__ = ["Action", "Event", "Journal", "journaled", "Interrupt", "Network", "Process", "Simulator", "Timer", "Trace", "TraceRecord"]
