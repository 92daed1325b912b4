"""Screening: `decisions` (who decided what at which stage, conflicts, the flow PRISMA reads),
`agreement` (Cohen's kappa between reviewers), `exchange` (decisions to and from another
library), `status` (where each record stands), `screener` (what a record looks like on a screen:
highlighting, keys), `ranking`, `stopping` and `simulation` (priority screening)."""
