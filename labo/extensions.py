"""Flask extensions, created unbound here and bound in `create_app`.

Socket.IO is the exception: `create_app` makes one server per app (an app's
own handlers, rooms and message queue), reached as
`current_app.extensions["socketio"]`, so two apps in one process (the test
suite's and the browser tests' live site) never share one."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf import CSRFProtect

from labo.core.db import Base

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
talisman = Talisman()
