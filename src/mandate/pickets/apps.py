from typing import Any

from django.apps import AppConfig


def _sms_reply(sender: Any, *, number: str, action: str, **kwargs: Any) -> None:
    from mandate.pickets import supporter_reminders

    if action == "stop":
        supporter_reminders.stop_by_number(number)
    elif action == "start":
        supporter_reminders.resume_by_number(number)


class PicketsConfig(AppConfig):
    name = "mandate.pickets"
    label = "pickets"
    verbose_name = "Picket lines"

    def ready(self) -> None:
        from mandate.messaging.inbound import reply_received

        reply_received.connect(_sms_reply, dispatch_uid="pickets.supporter_stop")
