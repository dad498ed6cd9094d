"""``storepulse campaign review``: a campaign's review, sent through the outbox now."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from flows.cli import LOOP, ConfigOption, ResendOption, StoreOption, group, start_flow
from flows.cli.loop import preflight, print_outcomes

if TYPE_CHECKING:
    from connectors.config import StoreConfig

campaign_app = group("campaign", "Campaign reviews.", LOOP)


@campaign_app.command("review")
def campaign_review(
    name: Annotated[str, typer.Argument(help="The campaign's name, as in campaigns:.")],
    config: ConfigOption = None,
    store: StoreOption = None,
    resend: ResendOption = False,
) -> None:
    """Review the last run of campaign NAME that has ended (per store) and send it: each
    measure against the days without the campaign, discount cost, codes, the week after."""
    path = preflight(config, store, reports=("campaign",))
    from connectors.errors import ConfigError
    from flows.steps.publish import publish_campaign_review
    from tasks.reporting.campaign import last_run
    from tasks.settings import load_settings

    settings = load_settings(path)
    ended = [
        (chosen, campaign)
        for chosen in settings.select(store)
        if (campaign := last_run(settings, chosen, name, _today(chosen))) is not None
    ]
    if not ended:
        raise ConfigError(f"no campaign {name!r} has ended yet in the chosen stores")
    for chosen, campaign in ended:
        run = start_flow(
            publish_campaign_review,
            stores=[chosen.name],
            last_day=campaign.days[-1],
            resend=resend,
            config_path=str(path),
        )
        print_outcomes(run.references, run.delivery)


def _today(store: StoreConfig) -> date:
    return datetime.now(UTC).astimezone(store.zone).date()
