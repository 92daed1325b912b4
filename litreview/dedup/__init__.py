"""Deduplication, as a pipeline of one module per stage (pipeline.run drives them):

    normalise.py -> block.py -> rules.py -> clusters.py -> merge.py
    (signatures)    (pairs)     (compare)   (cluster)      (canonical, fills)
                                   |                       review.py (a reviewer's calls, undo)
                  fields.py (one field at a time), evidence.py (weak fields weighed),
                  verdicts.py (Decision, Rule)

A duplicate is the same bibliographic record however its citation was written. `normalise` makes
each record's signature; `block` finds the pairs worth comparing; `rules.compare` decides each
pair with rules a librarian can read, naming the rule (`Rule`) and the decision (`Decision`);
`fields` says whether one field agrees, `evidence` weighs a weak field that disagrees against
everything that agrees (issue 22); `clusters.cluster` joins duplicate pairs transitively only
when no two members conflict; `merge` picks a canonical record per cluster and fills what it
lacks, deleting nothing; `review` holds the queue of uncertain pairs and a reviewer's
same/different, detach and split, which outrank every rule. Persistence is
`litreview.store.dedup`'s. (The compare and cluster stages' modules are named rules and clusters
so that `dedup.compare` and `dedup.cluster` stay the functions.)
"""

from litreview.dedup.block import MAX_BLOCK, blocking_keys, candidate_pairs
from litreview.dedup.clusters import citation_conflict, cluster
from litreview.dedup.evidence import WeakField, outweighed
from litreview.dedup.fields import authors_compatible, fields_shifted, title_similarity, venues_compatible
from litreview.dedup.merge import choose_canonical
from litreview.dedup.normalise import (
    Sig,
    comparable_doi,
    family_key,
    first_page,
    last_page,
    page_starts,
    signature,
    signatures,
    strip_footnote,
    title_key,
)
from litreview.dedup.pipeline import DedupSummary, Progress, recluster, run
from litreview.dedup.review import (
    check_record,
    cluster_members,
    clusters_table,
    decide_pair,
    decide_pairs,
    detach,
    pair_detail,
    record_decision,
    review_queue,
    split,
)
from litreview.dedup.rules import compare, hard_conflict, score_pairs
from litreview.dedup.verdicts import Decision, Rule, Verdict

__all__ = [
    "MAX_BLOCK", "Decision", "DedupSummary", "Progress", "Rule", "Sig", "Verdict", "authors_compatible",
    "blocking_keys", "candidate_pairs", "check_record", "choose_canonical", "citation_conflict", "cluster",
    "cluster_members", "clusters_table", "comparable_doi", "compare", "decide_pair", "decide_pairs", "detach",
    "family_key", "fields_shifted", "first_page", "hard_conflict", "last_page", "page_starts", "pair_detail",
    "recluster", "record_decision", "review_queue", "run", "score_pairs", "signature",
    "signatures", "split", "strip_footnote", "title_key", "title_similarity", "venues_compatible",
    "WeakField", "outweighed",
]
