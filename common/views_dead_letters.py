"""Staff page listing failed money tasks, with a button to send one back to its queue."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from common.auth import staff_required
from common.exceptions import BackstopError
from common.models import DeadLetter
from common.queues import queue_depths
from common.services.dead_letters import dead_letter_retry


@staff_required()
def dead_letters(request):
    letters = DeadLetter.objects.all()[:200]
    return render(
        request, "common/dead_letters.html", {"letters": letters, "depths": queue_depths()}
    )


@require_POST
@staff_required()
def dead_letter_retry_view(request, letter_id: int):
    try:
        dead_letter_retry(letter_id=letter_id, actor=request.user.username)
        messages.success(request, f"Dead letter #{letter_id} sent back to its queue.")
    except BackstopError as exc:
        messages.error(request, exc.message)
    return redirect("common:dead-letters")
