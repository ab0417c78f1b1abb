"""Published data sets used by the stats tests (sources cited per constant)."""

# Montgomery, Introduction to Statistical Quality Control, Table 6.3: inside diameter (mm) of
# automobile-engine piston rings, 25 subgroups of 5 (also R qcc dataset ``pistonrings``, trial = TRUE).
# Published: grand mean 74.001, R-bar 0.023, X-bar chart limits 73.988 / 74.014, R chart UCL 0.049.
PISTON_RINGS = [
    [74.030, 74.002, 74.019, 73.992, 74.008],
    [73.995, 73.992, 74.001, 74.011, 74.004],
    [73.988, 74.024, 74.021, 74.005, 74.002],
    [74.002, 73.996, 73.993, 74.015, 74.009],
    [73.992, 74.007, 74.015, 73.989, 74.014],
    [74.009, 73.994, 73.997, 73.985, 73.993],
    [73.995, 74.006, 73.994, 74.000, 74.005],
    [73.985, 74.003, 73.993, 74.015, 73.988],
    [74.008, 73.995, 74.009, 74.005, 74.004],
    [73.998, 74.000, 73.990, 74.007, 73.995],
    [73.994, 73.998, 73.994, 73.995, 73.990],
    [74.004, 74.000, 74.007, 74.000, 73.996],
    [73.983, 74.002, 73.998, 73.997, 74.012],
    [74.006, 73.967, 73.994, 74.000, 73.984],
    [74.012, 74.014, 73.998, 73.999, 74.007],
    [74.000, 73.984, 74.005, 73.998, 73.996],
    [73.994, 74.012, 73.986, 74.005, 74.007],
    [74.006, 74.010, 74.018, 74.003, 74.000],
    [73.984, 74.002, 74.003, 74.005, 73.997],
    [74.000, 74.010, 74.013, 74.020, 74.003],
    [73.982, 74.001, 74.015, 74.005, 73.996],
    [74.004, 73.999, 73.990, 74.006, 74.009],
    [74.010, 73.989, 73.990, 74.009, 74.014],
    [74.015, 74.008, 73.993, 74.000, 74.010],
    [73.982, 73.984, 73.995, 74.017, 74.013],
]

# Montgomery, Table 7.1 (orange-juice concentrate cans, 30 samples of n = 50):
# published p-bar 0.2313, UCL 0.4102, LCL 0.0524.
ORANGE_JUICE_D = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22, 8, 10, 5, 13, 11, 20, 18, 24, 15, 9, 12, 7, 13, 9, 6]

# Montgomery, Table 7.7 (nonconformities in 26 samples of 100 printed circuit boards):
# published c-bar 19.85, UCL 33.22, LCL 6.48.
PCB_NONCONFORMITIES = [21, 24, 16, 12, 15, 5, 28, 20, 31, 25, 20, 24, 16, 19, 10, 17, 13, 22, 18, 39, 30, 24, 16, 19, 17, 15]

# NIST/SEMATECH e-Handbook of Statistical Methods, §6.3.2.4 (EWMA control charts), example:
# target 50, s = 2.0539, lambda = 0.3, k = 3 -> limits 47.4115 / 52.5884 (asymptotic).
NIST_EWMA = [52.0, 47.0, 53.0, 49.3, 50.1, 47.0, 51.0, 50.1, 51.2, 50.5, 49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1]
NIST_EWMA_Z = [50.60, 49.52, 50.56, 50.18, 50.16, 49.21, 49.75, 49.85, 50.26, 50.33, 50.11, 49.36, 49.52, 50.05, 49.34, 49.90, 50.71, 51.22, 51.94, 51.99]

# Montgomery, Table 9.1 (tabular CUSUM example, mu0 = 10, sigma = 1, K = 0.5, H = 5):
# C+ first exceeds H at period 29 (C+_29 = 5.28), the run of nonzero C+ starts after period 22.
MONTGOMERY_CUSUM = [9.45, 7.99, 9.29, 11.66, 12.16, 10.18, 8.04, 11.46, 9.20, 10.34, 9.03, 11.47, 10.51, 9.40, 10.08,
                    9.37, 10.62, 10.31, 8.52, 10.84, 10.90, 9.33, 12.29, 11.50, 10.60, 11.08, 10.38, 11.62, 11.31, 10.52]

# ISO 5725-5:1998 creosote example (cell averages, 9 laboratories), the Algorithm A example data
# quoted by the metRology R package (algA example).
CREOSOTE = [24.140, 20.155, 19.500, 20.300, 20.705, 17.570, 20.100, 20.940, 21.185]
