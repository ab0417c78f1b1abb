"""The consumer room (投诉举报, 质量诚信/信用, 认证证书, 企业标准声明, 比较试验).

One room, not five: the capabilities share one policy section, one settings table, one set of models and
migrations, and feed each other (justified complaints, certificates and penalties are inputs of the credit class).
Inside it, `service/` and `rules/` are packages with one module per capability (complaints, credit, certificates,
declarations, comparative) and `pages/` one module per workflow; each package re-exports its public names, so
`zhijian.consumer.service.X` and `zhijian.consumer.rules.X` keep working for API, CLI, contracts and tests.
What other rooms may use is `contracts.py` only.
"""
