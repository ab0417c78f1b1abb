"""风险监测预警 — signal detection over spot-check results and complaints, product risk assessment (EU Safety Gate
method), alerts (风险警示) and recalls (召回), with a monitoring dashboard.

Pure modules: `rates` (p-chart with exact limits, Laney p′, funnel, EWMA, binomial CUSUM, beta-binomial shrinkage),
`counts` (EARS C1/C2/C3, improved Farrington), `matrix` (the risk matrix), `scan` (rows → arrays → signal drafts),
`charts` (SVG), `pdf` (assessment record). Use cases in `service`.
"""
