"""Every model, re-exported for Alembic and the shell. Nothing is defined here."""
from labo.accounts.models import PhoneCode, RoleGrant, User  # noqa: F401
from labo.audit.models import AuditEntry  # noqa: F401
from labo.mail.models import OutboxMessage  # noqa: F401
from labo.sms.models import SmsMessage, SmsMonthCount  # noqa: F401
from labo.territory.models import Ambition, Axis, Commune, Pillar, Qpv, qpv_commune  # noqa: F401
from labo.contributions.models import Comment, Contribution, Follow, Photo, Report, Support  # noqa: F401
from labo.accounts.models import Notification  # noqa: F401
from labo.meetings.models import Attachment, Decision, Meeting, MeetingChange, Registration, meeting_animator  # noqa: F401
from labo.actors.models import ActivityEntry, ActorProfile, Organisation  # noqa: F401
import labo.proclamation.models  # noqa: F401,E402
import labo.partners.models  # noqa: F401,E402
import labo.fiches.models  # noqa: F401,E402
import labo.processes.models  # noqa: F401,E402
import labo.workshops.models  # noqa: F401,E402
import labo.reminders.models  # noqa: F401,E402
import labo.cards.models  # noqa: F401,E402
import labo.letters.models  # noqa: F401,E402
import labo.fund.models  # noqa: F401,E402
import labo.opinions.models  # noqa: F401,E402
import labo.walks.models  # noqa: F401,E402
import labo.questionnaires.models  # noqa: F401,E402
