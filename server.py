"""Start buildtail's web and Socket.IO server: one gevent process."""

from gevent import monkey

monkey.patch_all()

import logging  # noqa: E402

from app import create_app  # noqa: E402
from app.logs import configure_logging  # noqa: E402
from app.recipes import RecipesFileError  # noqa: E402
from app.serving import serve  # noqa: E402
from app.settings import ConfigError, check_listening  # noqa: E402


def main() -> None:
    configure_logging()
    try:
        app = create_app({"ASYNC_MODE": "gevent"})
        settings = app.extensions["buildtail"].settings
        check_listening(settings)
    except (ConfigError, RecipesFileError) as error:
        # A setting or a recipe to fix: one sentence, no traceback.
        raise SystemExit(f"buildtail: {error}") from None
    services = app.extensions["buildtail"]
    services.start_background()
    host, port = settings.HOST, settings.PORT
    logging.getLogger("buildtail").info("serving on http://%s:%s/", host, port)
    serve(app, host, port)


if __name__ == "__main__":
    main()
