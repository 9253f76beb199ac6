"""What to read for a failure message, and the report it gives (`explain_failures`).

The failed items come grouped by the reason their events gave (fleet.summaries.ReasonGroup: a
status, an error code, a step's action). A bounded sample of each group is read, round-robin over
the groups so that every reason gets read before any gets a second read; the items read are then
grouped again by what the reads said (the output's error line, a step's failure message), and the
rest of each group is counted, not read. The instances the message names get their Name tag (or
computer name) in the same parallel round. What to read for each kind is its plan
(notifier.failures.plans); a second round reads what the first pointed at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from itertools import zip_longest
from typing import Any

from notifier.failures.budget import Read, ReadBudget, Unavailable
from notifier.failures.operation_plans import AutomationPlan, WindowPlan
from notifier.failures.plans import (
    AccessRequestPlan,
    AssociationPlan,
    CommandPlan,
    Explained,
    Found,
    ImagePlan,
    Item,
    Plan,
)
from notifier.failures.reads import FailureReads
from ssm_event_notifier.contract.catalog import OPERATION_BY_NAME

NAMED_MAX = 100  # instances named per message (fleet.digest_messages.LISTED)
NAME_FILTER_MAX = 100  # ids per DescribeInstances filter
NEXT_STEPS_MAX = 3


# What each kind of failure reads (notifier.failures.plans): catalog.OPERATIONS names, "image" for an AMI
# and "access-request" for a just-in-time node access request.
PLANS: dict[str, type[Plan]] = {
    "command": CommandPlan,
    "automation": AutomationPlan,
    "window-execution": WindowPlan,
    "association": AssociationPlan,
    "image": ImagePlan,
    "access-request": AccessRequestPlan,
}


@dataclass(frozen=True)
class ReasonEntry:
    """Items of one reason: as their events said it (`reason`) and, when read, as AWS tells it (`output`)."""

    reason: str
    items: list[str]
    output: str = ""  # clean text: the output's tail, the failure message; "" when not read
    read: int = 0  # how many of the items were read (the others are counted with it, not read)
    summary: str = ""  # the line of `output` that tells this failure from others (output.signature)

    @property
    def count(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class FailureReport:
    reasons: list[ReasonEntry]
    unavailable: list[Unavailable]
    names: dict[str, str] = field(default_factory=dict)  # instance id -> Name tag or computer name
    next_steps: list[str] = field(default_factory=list)  # CLI commands that print the full output
    links: list[str] = field(default_factory=list)  # console pages of failed items
    calls: int = 0
    noun: str = "item"  # what the items are: "instance", "step", "target", "image"
    seen: int | None = None  # how many items the reads listed, failed or not (None: no read lists them)
    # "reads": the reasons are the events' and what the reads said; "event": the event's alone, nothing
    # being read for its kind.
    source: str = "reads"


@dataclass(frozen=True)
class Failed:
    """What the caller knows of the failure: the operation's kind and fields, the items by event reason."""

    kind: str  # catalog.OPERATIONS name, or "image" for an AMI
    fields: dict[str, str]
    region: str
    groups: list[tuple[str, list[Item]]]  # (reason, [(item key, task execution id)]); [] when no event named one


def _sample(groups: list[tuple[str, list[Item]]], limit: int) -> list[Item]:
    """Round-robin over the groups: every reason read once before any twice."""
    order = [item for row in zip_longest(*(items for _, items in groups)) for item in row if item is not None]
    return order[:limit]


def _instances(keys: list[str]) -> list[str]:
    return [k for k in dict.fromkeys(keys) if k.startswith(("i-", "mi-"))][:NAMED_MAX]


def _name_reads(reads: FailureReads, ids: list[str], calls: int) -> list[Read]:
    planned = []
    ec2 = [i for i in ids if i.startswith("i-")]
    for start in range(0, len(ec2), NAME_FILTER_MAX):
        chunk = ec2[start : start + NAME_FILTER_MAX]
        planned.append(
            Read(f"names:{start}", "instance Name tags (ec2:DescribeInstances)", partial(reads.instance_names, chunk))
        )
    managed = [i for i in ids if i.startswith("mi-")][:50]
    if managed:
        planned.append(
            Read(
                "names:managed",
                "computer names (ssm:DescribeInstanceInformation)",
                partial(reads.computer_names, managed),
            )
        )
    return planned[: max(calls, 0)]


def _names(answers: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, answer in answers.items():
        if name.startswith("names:"):
            found.update(answer)
    return found


def _group(
    plan: Plan, groups: list[tuple[str, list[Item]]], explained: dict[Item, Explained]
) -> tuple[list[ReasonEntry], list[str], list[str]]:
    """Each event reason's items again by what the reads said; the unread ones counted with it."""
    reasons: list[ReasonEntry] = []
    next_steps: list[str] = []
    links: list[str] = []
    for reason, items in groups:
        by_signature: dict[str, list[str]] = {}
        outputs: dict[str, str] = {}
        unread: list[str] = []
        for key, task in items:
            if (key, task) not in explained:
                unread.append(key)
                continue
            said, output = explained[(key, task)]
            by_signature.setdefault(said, []).append(key)
            outputs.setdefault(said, output)
            for found, wanted in ((next_steps, plan.next_step(key, task)), (links, plan.link(key))):
                if wanted and wanted not in found and len(found) < NEXT_STEPS_MAX:
                    found.append(wanted)
        for said, keys in sorted(by_signature.items(), key=lambda pair: -len(pair[1])):
            reasons.append(ReasonEntry(reason, keys, outputs[said], len(keys), said))
        if unread:
            reasons.append(ReasonEntry(reason, unread))
    return reasons, next_steps, links


def _add_found(groups: list[tuple[str, list[Item]]], explained: dict[Item, Explained], found: list[Found]) -> None:
    """Failed items a read found that no event named, under the reason the read gave."""
    by_reason: dict[str, list[Item]] = {}
    for reason, item, said in found:
        if item not in explained:
            by_reason.setdefault(reason, []).append(item)
            explained[item] = said
    groups += list(by_reason.items())


def explain_failures(reads: FailureReads, failed: Failed, budget: ReadBudget) -> FailureReport:
    """Read why the failed items failed, within `budget`; whatever could not be read says why."""
    items = [item for _, group in failed.groups for item in group]
    plan = PLANS.get(failed.kind, Plan)(reads, failed.fields, failed.region, items)
    whole = plan.whole()
    named = _instances([key for key, _ in items])
    name_reads = _name_reads(reads, named, budget.calls - len(whole) - 1)  # leave one call for a reason
    sampled = [
        (item, call)
        for item in _sample(failed.groups, max(budget.calls - len(whole) - len(name_reads), 0))
        if (call := plan.per_item(*item))
    ]
    per_item = [Read(f"item:{i}", f"why {item[0]} failed", call) for i, (item, call) in enumerate(sampled)]
    answers = budget.run(whole + name_reads + per_item)
    explained, found = plan.explain_whole(answers)
    for i, (item, _call) in enumerate(sampled):
        if f"item:{i}" in answers:
            explained[item] = plan.explain_item(item[0], answers[f"item:{i}"])
    groups = list(failed.groups)
    _add_found(groups, explained, found)
    # The second round: what the first one pointed at, and the names of the instances it found.
    follow_ups = plan.follow_ups()
    unnamed = [key for key in _instances([item[0] for _, item, _ in found]) if key not in named]
    more_names = _name_reads(reads, unnamed, budget.calls - len(follow_ups))
    later = budget.run(follow_ups + more_names) if follow_ups or more_names else {}
    _add_found(groups, explained, plan.explain_follow_ups(later, explained))
    reasons, next_steps, links = _group(plan, groups, explained)
    names = {**plan.names, **_names(answers), **_names(later)}
    kind = OPERATION_BY_NAME.get(failed.kind)
    noun = kind.item_noun if kind else failed.kind
    return FailureReport(reasons, list(budget.unavailable), names, next_steps, links, budget.made, noun, plan.seen)
