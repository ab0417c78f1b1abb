"""会员: member organizations and individual members, classes, applications, dues, renewals, the directory."""
