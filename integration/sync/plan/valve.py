"""The mass-deletion valve: rows with a CRM ID that vanished from the sheet archive
their records, unless so many vanished at once that it looks like an accident
(a sorted range pasted over, a filter view, a wrong tab), in which case the sync
of this tab stops and applies nothing (the other tab goes on), and says why on
the sheet in the partner's language. Staff resolve it by restoring the rows or by
accepting the deletions for one run (``crm-sync sync --accept-deletions``), which
archives only records that partner may change.
"""

from __future__ import annotations

from .. import messages
from ..stop_reasons import DELETION_STOP
from .model import Settings
from .pending import PendingRules


def valve_message(vanished: int, live: int, settings: Settings, locale: str = "en") -> str | None:
    """Why the sync stops, in ``locale``, or None if ``vanished`` of ``live`` rows
    may be archived: it stops when more than the share and at least the minimum
    vanished (unless staff accepted the deletions for this run)."""
    if (
        settings.accept_deletions
        or vanished < settings.mass_delete_min_rows
        or vanished <= settings.mass_delete_share * live
    ):
        return None
    return messages.text(
        "deletion_stop",
        locale,
        vanished=vanished,
        live=live,
        share=f"{settings.mass_delete_share:.0%}",
        minimum=settings.mass_delete_min_rows,
    )


class ValveRules(PendingRules):
    def vanished(self) -> list[str]:
        """This partner's live records whose rows the sheet no longer has."""
        out = []
        for rid in sorted(self.state.shadows):
            rec = self.state.records.get(rid)
            if self.awaiting_append(self.state.shadows[rid]):
                continue  # its append never reached the sheet: append it again
            if (
                rec is not None
                and not rec.archived
                and rid not in self.sheet_ids
                and self.owns(rec)  # a row deleted here never archives another's record
            ):
                out.append(rid)
        return out

    def live_rows(self) -> int:
        """How many of this partner's live records the sheet showed last time."""
        return sum(
            1
            for r, sh in self.state.shadows.items()
            if not self.awaiting_append(sh)
            and r in self.state.records
            and not self.state.records[r].archived
            and self.owns(self.state.records[r])
        )

    def valve_closed(self, vanished: list[str]) -> bool:
        """Abort the plan, writing nothing, if too many rows vanished at once."""
        live = self.live_rows()
        reason = valve_message(len(vanished), live, self.s)
        if reason is None:
            return False
        self.plan.aborted = reason
        self.plan.stop_reason = DELETION_STOP
        self.plan.deletion_stop = valve_message(len(vanished), live, self.s, self.locale)
        self.plan.vanished = list(vanished)
        self.plan.vanished_rows = {rid: self.state.shadows[rid].row for rid in vanished}
        self.plan.cells.clear()
        return True

    def archive_vanished(self, vanished: list[str]) -> None:
        """Archive records whose rows vanished; forget the bases of records that are
        no longer this tab's (gone, or moved to another partner by an admin)."""
        plan = self.plan
        for rid in vanished:
            plan.vanished_rows[rid] = self.state.shadows[rid].row
            plan.archives.append(rid)
            plan.drop_shadows.append(rid)
            plan.counts["archived"] += 1
        for rid in self.state.shadows:
            rec = self.state.records.get(rid)
            if (rec is None or not self.owns(rec)) and rid not in plan.drop_shadows:
                plan.drop_shadows.append(rid)
