"""Stage 01's shared parts: the cleaning rules (:mod:`seglab.collection.rules`) that the cleaning
on one machine (:mod:`seglab.collect`) and on Spark (:mod:`seglab.collect_spark`) both follow.
"""
