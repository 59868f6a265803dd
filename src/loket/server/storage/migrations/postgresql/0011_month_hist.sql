-- The duration histograms summed per month as well (docs/decisions.md): a year's median
-- reads twelve months of counts instead of 365 days of them. Rebuilt with the days of a
-- month; filled here from the day histograms already built.
CREATE TABLE figure_hist_month (
    dim TEXT NOT NULL,
    month TEXT NOT NULL,
    grp TEXT NOT NULL,
    measure TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (dim, month, grp, measure, bucket)
);
INSERT INTO figure_hist_month (dim, month, grp, measure, bucket, n) SELECT dim, substr(local_day, 1, 7), grp, measure, bucket, SUM(n) FROM figure_hist GROUP BY dim, substr(local_day, 1, 7), grp, measure, bucket;
