"""Emergency plans (应急预案) and police-school activities (警校互动): services, pages and API."""
