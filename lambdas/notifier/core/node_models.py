"""Who may reach which node: just-in-time node access requests, and managed nodes joining, leaving and
rotating their keys. Loaded on the first such event (``models.LATER``): no function's init loads it.

Just-in-time node access sends three detail-types for the requests that need a manual approval: the
approvers' (the request, its reason, who may approve, the approval step), the requester's, and a
failed request's (the policies that applied). Each names the request by its OpsItem and the node by
its ARN; the node's id is taken from it. AWS documents no detail fields for the managed node events:
their node is read under the names AWS's other events use for a node (``instance-id``,
``InstanceId``...), else from the event's resources, and only a node found nowhere refuses the event.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from notifier.core.event_base import Decoded, Detail, Field, Lenient, Required, SsmEvent, as_text

# The names a node's id goes by in Systems Manager's events and API answers, first present wins.
NODE_KEYS = ("instance-id", "InstanceId", "instanceId", "resource-id", "ResourceId", "managed-instance-id")


def node_of(arn: str | None) -> str | None:
    """The node an ARN names: "i-0abc" of ".../instance/i-0abc", "mi-0abc" of ".../managed-instance/mi-0abc"."""
    if not arn or "/" not in arn:
        return arn or None
    return arn.rsplit("/", 1)[1] or None


def with_first(data: dict[str, Any], name: str, candidates: tuple[str, ...], default: Any = None) -> dict[str, Any]:
    """`data` with `name` set from the first of `candidates` it holds (or `default`), unless it has one."""
    if data.get(name) not in (None, ""):
        return data
    found = next((data[key] for key in candidates if data.get(key) not in (None, "")), default)
    return data if found is None else {**data, name: found}


def status_said(word: str, alias: str | None = None) -> Field[str]:
    """A status the event may not carry: what its detail-type says (`word`), then."""
    return Field[str](alias, lambda value: as_text(value) or word, False, word)


# --- just-in-time node access ---------------------------------------------------------
# What a request's status asks of people, in the subject: "Access to i-0abc needs approval".
_HEADLINES = {"pendingapproval": "needs approval", "approved": "approved", "rejected": "rejected"}


class AccessRequestDetail(Detail):
    ops_item_id = Required("OpsItemId")  # the request: an OpsItem of type /aws/accessrequest
    target_resource_arn = Lenient("TargetResourceArn")
    requester = Lenient("Requester")
    title = Lenient("Title")
    start_time = Lenient("StartTime")
    execution_id = Lenient("ExecutionId")  # the Automation execution of its approval workflow


class ApproverAccessRequestDetail(AccessRequestDetail):
    status = Required("AccessRequestApprovalLevelStatus")
    step_name = Lenient("StepName")
    request_reason = Lenient("RequestReason")
    approvers = Decoded("Approvers")  # who may approve this step: ids of Identity Center users or groups


class RequesterAccessRequestDetail(AccessRequestDetail):
    status = Required("AccessRequestStatus")


class AccessRequestFailedDetail(AccessRequestDetail):
    status = status_said("Failed")
    applicable_policies = Decoded("ApplicablePolicies")
    created_date = Lenient("CreatedDate")
    # Not in AWS's sample; read when a failed request's event says why.
    failure_reason = Lenient("FailureReason")


class AccessRequestEvent(SsmEvent):
    derived_fields: ClassVar[tuple[str, ...]] = ("node", "headline")
    detail: AccessRequestDetail

    def template_fields(self) -> dict[str, str]:
        fields = super().template_fields()
        status = fields.get("status", "")
        node = node_of(self.detail.target_resource_arn) or "a node"
        return {**fields, "node": node, "headline": _HEADLINES.get(status.lower(), status)}


class ApproverAccessRequest(AccessRequestEvent):
    detail: ApproverAccessRequestDetail


class RequesterAccessRequest(AccessRequestEvent):
    detail: RequesterAccessRequestDetail


class AccessRequestFailed(AccessRequestEvent):
    detail: AccessRequestFailedDetail


# --- managed nodes --------------------------------------------------------------------
class ManagedNodeDetail(Detail):
    instance_id = Required("instance-id")  # or any of NODE_KEYS, or the resources' node
    computer_name = Lenient("computer-name")
    ip_address = Lenient("ip-address")
    platform = Lenient("platform-type")
    activation_id = Lenient("activation-id")
    iam_role = Lenient("iam-role")
    agent_version = Lenient("agent-version")

    @classmethod
    def prepared(cls, data: dict[str, Any]) -> dict[str, Any]:
        return with_first(data, "instance-id", NODE_KEYS)


class ManagedNodeRegistrationDetail(ManagedNodeDetail):
    status = status_said("Registered")


class ManagedNodeDeregistrationDetail(ManagedNodeDetail):
    status = status_said("Deregistered")


class ManagedNodeKeyDetail(ManagedNodeDetail):
    status = status_said("PublicKeyUpdated")


class ManagedNodeEvent(SsmEvent):
    detail: ManagedNodeDetail

    @classmethod
    def read(cls, data: Any) -> Self:
        """A detail that names no node takes the one its resources name (managed-instance/mi-...)."""
        detail = data.get("detail") if isinstance(data, dict) else None
        if not isinstance(detail, dict) or any(detail.get(k) not in (None, "") for k in NODE_KEYS):
            return super().read(data)
        resources = data.get("resources")
        arns = [a for a in resources if isinstance(a, str) and "instance/" in a] if isinstance(resources, list) else []
        return super().read({**data, "detail": {**detail, "instance-id": node_of(arns[0])}} if arns else data)


class ManagedNodeRegistration(ManagedNodeEvent):
    detail: ManagedNodeRegistrationDetail


class ManagedNodeDeregistration(ManagedNodeEvent):
    detail: ManagedNodeDeregistrationDetail


class ManagedNodeKeyUpdate(ManagedNodeEvent):
    detail: ManagedNodeKeyDetail
