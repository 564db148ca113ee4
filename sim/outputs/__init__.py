"""For people: the research-question report, exercise inject scripts and the managers' sheet."""
