from django.urls import path

from matching import strategy_views, views

urlpatterns = [
    path("review/", views.review, name="match-review"),
    path("strategy/<int:company>/", strategy_views.strategy_page, name="match-strategy"),
    path("<int:pk>/accept/", views.accept, name="match-accept"),
    path("<int:pk>/reject/", views.reject, name="match-reject"),
    path("<int:pk>/snooze/", views.snooze, name="match-snooze"),
]
