"""The WS-Management wire: one client on pypsrp's WSMan, with Identify, CIM, WinRS and one error hierarchy."""
