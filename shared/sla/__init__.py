"""Service levels in working days: each area's calendar (bank holidays from the `holidays`
library plus the closure days administrators add) and the named SLA policies of
`shared/casetypes/sla_policies.toml`. The rules that set and move a case's due date are
in `shared.services.sla`."""
