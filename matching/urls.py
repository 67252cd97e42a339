from django.urls import path

from matching import views

urlpatterns = [
    path("review/", views.review, name="match-review"),
    path("<int:pk>/accept/", views.accept, name="match-accept"),
    path("<int:pk>/reject/", views.reject, name="match-reject"),
    path("<int:pk>/snooze/", views.snooze, name="match-snooze"),
]
