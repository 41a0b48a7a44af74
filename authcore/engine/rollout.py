"""What decides: the policy, the risk model and the scorecard, their stored versions, and the shadow candidate."""

from __future__ import annotations



from authcore.journal import effects
from authcore.risk import features
from authcore.errors import FailedPrecondition, FieldViolation, InvalidArgument, NotFound
from authcore.risk.models import ModelError, load_model
from authcore.risk.scorecard import ScorecardError
from authcore.risk.shadow import Shadow
from authcore.journal.effects import JournalEffect
from authcore.decision.policy import validate_policy
from authcore.decision import validation
from authcore.journal import versions
from authcore.v1 import admin_pb2, credit_pb2, policy_pb2
from authcore.engine.core import Core
from authcore.engine.requests import Requests
from authcore.engine.common import log, _model_info


class Rollout:
    """SetPolicy, SetRiskModel, SetScorecard, ActivateVersion, ListVersions, GetVersion, the
    shadow candidate, AssessCredit."""

    def __init__(self, core: Core, requests: Requests):
        self.core = core
        self.requests = requests

    def get_policy(self) -> admin_pb2.GetPolicyResponse:
        with self.core.state.shared():
            return admin_pb2.GetPolicyResponse(policy=self.core.ledger.policy)

    def set_policy(self, req: admin_pb2.SetPolicyRequest) -> tuple[admin_pb2.SetPolicyResponse, bool]:
        validation.validate_set_policy(req)

        def decide(now_s: int):
            content = req.policy.SerializeToString(deterministic=True)
            effect, side = self._activation(versions.POLICY, req.policy.version, content, effects.policy_set(content),
                                            now_s)
            return admin_pb2.SetPolicyResponse(policy=req.policy), effect, side

        return self.requests.mutate("SetPolicy", req, admin_pb2.SetPolicyResponse, decide)

    def _active_version(self, kind: str) -> str:
        if kind == versions.POLICY:
            return self.core.ledger.policy.version
        if kind == versions.MODEL:
            return self.core.model_info.version
        return self.core.scorecard.version if self.core.scorecard is not None else ""

    def _activation(self, kind: str, version: str, content: bytes, effect: JournalEffect, now_s: int) -> tuple:
        """(effect, side rows) of making content active under version: (None, []) when it is
        active already. Refused when the version is stored with other content."""
        side = self.core.catalog.activation_rows(kind, version, content, now_s)
        if version == self._active_version(kind) and side[0][0] == "version_activated":
            return None, []
        return effect, side

    def store_active_versions(self) -> None:
        """Store what is active at start without a record having brought it (the shipped
        defaults, a journal older than the versions table), so that a rollback can return to it."""
        active = [(versions.POLICY, self.core.ledger.policy.version, self.core.ledger.policy.SerializeToString(deterministic=True))]
        if self.core.model_source is not None:
            active.append((versions.MODEL, self.core.model_source[1], self.core.model_source[0]))
        if self.core.scorecard is not None:
            active.append((versions.SCORECARD, self.core.scorecard.version,
                           self.core.scorecard.card.SerializeToString(deterministic=True)))
        now_s = self.core.now()
        for kind, version, content in active:
            stored = self.core.catalog.get(kind, version)
            if stored is None:
                self.core.journal.put_version(kind, version, versions.content_digest(content), content, now_s)
                self.core.catalog.note(kind, version, content, now_s)
            elif stored.digest != versions.content_digest(content):
                log.warning("the active %s %r differs from the stored version of that name; ActivateVersion of it "
                            "would activate the stored content", kind, version)

    def _stored_effect(self, kind: str, version: str, content: bytes) -> JournalEffect:
        """The effect that activates a stored version, validated as Set* validate its kind."""
        if kind == versions.POLICY:
            problems = [f"{v.field}: {v.description}" for v in validate_policy(policy_pb2.Policy.FromString(content))]
            effect = effects.policy_set(content)
        elif kind == versions.MODEL:
            try:
                load_model(content, schema=features.NAMES, version=version)
                problems = []
            except ModelError as exc:
                problems = [str(exc)]
            effect = effects.risk_model_set(content, version)
        else:
            from authcore.risk.scorecard import validate

            problems = [f"{v.field}: {v.description}" for v in validate(credit_pb2.Scorecard.FromString(content))]
            effect = effects.scorecard_set(content)
        if problems:
            raise FailedPrecondition("STORED_VERSION_INVALID",
                                     f"stored {kind} version {version!r} does not pass validation now: "
                                     + "; ".join(problems[:5]), {"version": version})
        return effect

    def list_versions(self, req: admin_pb2.ListVersionsRequest) -> admin_pb2.ListVersionsResponse:
        validation.validate_list_versions(req)
        with self.core.state.shared():
            page, token = self.core.catalog.page(versions.KIND_NAMES.get(req.kind), req.page_size, req.page_token)
            return admin_pb2.ListVersionsResponse(
                versions=[s.message(s.version == self._active_version(s.kind)) for s in page], next_page_token=token)

    def get_version(self, req: admin_pb2.GetVersionRequest) -> admin_pb2.GetVersionResponse:
        validation.validate_get_version(req)
        kind = versions.KIND_NAMES[req.kind]
        with self.core.state.shared():
            stored = self.core.catalog.get(kind, req.version)
            if stored is None:
                raise NotFound(f"{kind} version", req.version)
            response = admin_pb2.GetVersionResponse(version=stored.message(req.version == self._active_version(kind)))
        content = self.core.journal.version_content(kind, req.version)
        if kind == versions.POLICY:
            response.policy.ParseFromString(content)
        elif kind == versions.MODEL:
            response.risk_model = content
        else:
            response.scorecard.ParseFromString(content)
        return response

    def activate_version(self, req: admin_pb2.ActivateVersionRequest) -> tuple[admin_pb2.ActivateVersionResponse, bool]:
        """Make a stored version active again, as its Set* call would."""
        validation.validate_activate_version(req)
        kind = versions.KIND_NAMES[req.kind]

        def decide(now_s: int):
            stored = self.core.catalog.get(kind, req.version)
            if stored is None:
                raise NotFound(f"{kind} version", req.version)
            content = self.core.journal.version_content(kind, req.version)
            effect, side = self._activation(kind, req.version, content, self._stored_effect(kind, req.version, content),
                                            now_s)
            info = stored.message(active=True)
            if effect is not None:
                info.activated_at.seconds = now_s
            return admin_pb2.ActivateVersionResponse(version=info), effect, side

        return self.requests.mutate("ActivateVersion", req, admin_pb2.ActivateVersionResponse, decide)

    def set_risk_model(self, req: admin_pb2.SetRiskModelRequest) -> tuple[admin_pb2.SetRiskModelResponse, bool]:
        validation.validate_set_risk_model(req)

        def decide(now_s: int):
            version = req.version or None
            try:
                scorer = load_model(req.model, schema=features.NAMES, version=version)
            except ModelError as exc:
                raise InvalidArgument([FieldViolation("model", str(exc))]) from None
            effect, side = self._activation(
                versions.MODEL, scorer.version, req.model, effects.risk_model_set(req.model, scorer.version), now_s)
            return admin_pb2.SetRiskModelResponse(model=_model_info(scorer)), effect, side

        return self.requests.mutate("SetRiskModel", req, admin_pb2.SetRiskModelResponse, decide)

    def get_risk_model(self) -> admin_pb2.GetRiskModelResponse:
        with self.core.state.shared():
            return admin_pb2.GetRiskModelResponse(model=self.core.model_info)

    def set_scorecard(self, req: admin_pb2.SetScorecardRequest) -> tuple[admin_pb2.SetScorecardResponse, bool]:
        validation.validate_set_scorecard(req)

        def decide(now_s: int):
            content = req.scorecard.SerializeToString(deterministic=True)
            effect, side = self._activation(versions.SCORECARD, req.scorecard.version, content,
                                            effects.scorecard_set(content), now_s)
            return admin_pb2.SetScorecardResponse(scorecard=req.scorecard), effect, side

        return self.requests.mutate("SetScorecard", req, admin_pb2.SetScorecardResponse, decide)

    def get_scorecard(self) -> admin_pb2.GetScorecardResponse:
        with self.core.state.shared():
            card = self.core.scorecard.card if self.core.scorecard is not None else None
            return admin_pb2.GetScorecardResponse(scorecard=card)

    def assess_credit(self, req: credit_pb2.AssessCreditRequest) -> credit_pb2.AssessCreditResponse:
        values = validation.validate_assess_credit(req)
        with self.core.state.shared():
            card = self.core.scorecard
        if card is None:
            raise FailedPrecondition("NO_SCORECARD", "no credit scorecard is loaded; load one with SetScorecard")
        try:
            return card.assess(req.applicant_id, values)
        except ScorecardError as exc:
            raise InvalidArgument([FieldViolation("attributes", str(exc))]) from None

    def _shadow_versions(self, shadow: Shadow) -> tuple[str, str]:
        return (shadow.policy.version if shadow.policy is not None else self.core.ledger.policy.version,
                shadow.scorer.version if shadow.scorer is not None else self.core.model_info.version)

    def set_shadow(self, req: admin_pb2.SetShadowRequest) -> admin_pb2.SetShadowResponse:
        """Make a candidate policy and/or model decide every payment beside the active ones."""
        validation.validate_set_shadow(req)
        policy, scorer = None, None
        kind = req.WhichOneof("policy_candidate")
        if kind == "policy":
            policy = req.policy
        elif kind == "policy_version":
            policy = policy_pb2.Policy.FromString(self._stored_content(versions.POLICY, req.policy_version))
            problems = validate_policy(policy)
            if problems:
                raise FailedPrecondition("STORED_VERSION_INVALID", f"stored policy version {req.policy_version!r} "
                                         f"does not pass validation now: {problems[0].field}: {problems[0].description}")
        kind = req.WhichOneof("model_candidate")
        if kind is not None:
            content = req.model.model if kind == "model" else self._stored_content(versions.MODEL, req.model_version)
            version = (req.model.version or None) if kind == "model" else req.model_version
            try:
                scorer = load_model(content, schema=features.NAMES, version=version)
            except ModelError as exc:
                raise InvalidArgument([FieldViolation(f"{kind}", str(exc))]) from None
        with self.core.state.exclusive():
            self.core.shadow = Shadow(policy, scorer, self.core.now())
            return admin_pb2.SetShadowResponse(report=self.core.shadow.report(*self._shadow_versions(self.core.shadow)))

    def _stored_content(self, kind: str, version: str) -> bytes:
        if self.core.catalog.get(kind, version) is None:
            raise NotFound(f"{kind} version", version)
        return self.core.journal.version_content(kind, version)

    def clear_shadow(self) -> admin_pb2.ClearShadowResponse:
        """Stop shadow decisions; the final report."""
        with self.core.state.exclusive():
            shadow, self.core.shadow = self.core.shadow, None
            if shadow is None:
                return admin_pb2.ClearShadowResponse(report=admin_pb2.ShadowReport())
            return admin_pb2.ClearShadowResponse(report=shadow.report(*self._shadow_versions(shadow)))

    def get_shadow_report(self) -> admin_pb2.GetShadowReportResponse:
        with self.core.state.shared():
            shadow = self.core.shadow
            if shadow is None:
                return admin_pb2.GetShadowReportResponse(report=admin_pb2.ShadowReport())
            return admin_pb2.GetShadowReportResponse(report=shadow.report(*self._shadow_versions(shadow)))
