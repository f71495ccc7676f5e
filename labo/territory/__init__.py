"""The territory and the city contract's strategy: communes, priority
neighbourhoods (QPV), pillars, ambitions and cross-cutting axes."""
