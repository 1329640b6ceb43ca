"""The four document kinds of social-integration work.

The main class of each is re-exported here; their parts (objectives, lines,
partners…) and functions live in the module of each kind.
"""

from .bilan import BilanSocial
from .partnership import PartnershipConvention
from .piis import Piis
from .reimbursement import ReimbursementForm
from .subsidy import SubsidyConvention

__all__ = ["BilanSocial", "PartnershipConvention", "Piis", "ReimbursementForm",
           "SubsidyConvention"]
