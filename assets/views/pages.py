from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..models import ChangeLogEntry
from ..services.changes import visible_changes
from ..services.organizations import visible_organizations


@login_required
def dashboard(request):
    organizations = visible_organizations(request.user).order_by("tree_id", "lft")
    recent: list[ChangeLogEntry] = list(visible_changes(request.user).order_by("-id")[:10])
    return render(request, "assets/dashboard.html", {"organizations": organizations, "recent_changes": recent})
