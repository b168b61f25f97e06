from __future__ import annotations

from django.db.models.signals import post_delete
from django.dispatch import receiver

from analyses.models import Analysis
from reactions.models import Reaction


@receiver(post_delete, sender=Analysis)
def delete_analysis_files(sender, instance: Analysis, **kwargs) -> None:
    instance.delete_files()


@receiver(post_delete, sender=Reaction)
def delete_reaction_files(sender, instance: Reaction, **kwargs) -> None:
    instance.delete_files()
