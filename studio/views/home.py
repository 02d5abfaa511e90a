from django.shortcuts import render

from studio.selectors import computer_list, home_counts


def home(request):
    return render(request, "studio/home.html", {
        "counts": home_counts(user=request.user),
        "recent_computers": computer_list(user=request.user)[:10],
    })
