"""Bits of the partial stance label: a row's mask is the set of classes its source allows (no dependencies,
so the device sweep can import it without polars)."""

AGREE, NEUTRAL, DISAGREE, HOSTILE = 1, 2, 4, 8  # in STANCE_LABELS order: agree, neutral, disagree, hostile
ANY = AGREE | NEUTRAL | DISAGREE | HOSTILE  # no stance information
