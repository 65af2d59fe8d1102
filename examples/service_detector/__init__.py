"""Which Services select each pod, kept current from informers and a workqueue."""
