"""协会 tables, by sub-package (imported here so that the room's metadata is complete for Alembic and tests)."""

from __future__ import annotations

from zhijian.association.assessment.models import Assessment, AssessmentFinding, AssessmentItem
from zhijian.association.campaigns.models import Campaign, CampaignEvent, EventRegistration, Notice
from zhijian.association.exams.models import Exam, ExamCandidate, ExamCertificate, ExamMark, ExamQuestion
from zhijian.association.experts.models import Expert, ExpertAssignment
from zhijian.association.members.models import Member, MemberDocument, MemberDues
from zhijian.association.pt.models import PtEnrolment, PtFollowUp, PtRound, PtScheme
from zhijian.association.standards.models import GroupStandard, StandardComment, StandardDraft, StandardVote
from zhijian.association.training.models import Course, CourseEnrolment, CourseSession

__all__ = ["Expert", "ExpertAssignment", "Exam", "ExamCandidate", "ExamCertificate", "ExamMark", "ExamQuestion", "PtEnrolment", "PtFollowUp",
           "PtRound", "PtScheme", "GroupStandard", "StandardComment", "StandardDraft", "StandardVote", "Member", "MemberDocument", "MemberDues", "Campaign", "CampaignEvent", "EventRegistration", "Notice", "Assessment", "AssessmentFinding", "AssessmentItem", "Course", "CourseEnrolment", "CourseSession"]
