"""Screening: `decisions` (who decided what at which stage, conflicts, agreement, the flow PRISMA
reads) and `screener` (what a record looks like on a screen: highlighting, keys)."""
