"""检验检测机构评价: applications, plans, on-site checklists, findings with corrective actions, decisions."""
