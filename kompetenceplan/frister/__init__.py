"""Deadlines (frister): the rules as plan data with their legal source (`rules`), the Danish
calendar they are counted in (`calendar`), the deadlines of each case computed from its events
and decisions (`engine`), the worklist (`worklist`) and the status report to the Social- og
Handicapudvalg (`status`, `render`, `hr`). docs/frister.md."""
