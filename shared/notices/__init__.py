"""Notices: what each kind says (templates/notices/), rendering in the recipient's language,
and delivery by SMTP. Creating notices is `shared.services.notices`; sending is
`shared.jobs.notices`."""
