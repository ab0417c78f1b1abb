# Reference values for zhijian's count detectors, from R's `surveillance` package (the reference implementation).
#
#   Rscript tests/risk/reference/make_reference.R      (from the repository root; Debian: r-base-core r-cran-surveillance)
#
# Writes, beside this script:
#   series.csv                 the seeded test series (one column each) and the population of the offset case
#   farrington_reference.csv   farringtonFlexible per series × b × pastWeeksNotIncluded × variant, every week of the range
#   cusum_reference.csv        glrpois with theta = log(kappa) (the Poisson LR CUSUM) on given in-control means
#   versions.json              R and surveillance versions used
# The test suite reads these files only; it never runs R.

suppressPackageStartupMessages(library(surveillance))
here <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f)) dirname(normalizePath(f)) else "tests/risk/reference"
})

set.seed(20261202)
n <- 260                       # five years of weeks, so that b = 3 leaves 101 weeks to judge and b = 2 leaves 153
t <- seq_len(n)
season <- function(a) exp(a * sin(2 * pi * t / 52) + 0.5 * a * cos(2 * pi * t / 52))
outbreak <- function(mu, at, size) { mu[at] <- mu[at] + size; mu }

mu_flat <- outbreak(8 * season(0.3), c(60:62, 170:172, 240:243), c(10, 14, 9, 12, 18, 11, 15, 20, 16, 9))
mu_trend <- outbreak(4 * exp(0.006 * t) * season(0.25), c(120:122, 200:203, 250:252), c(8, 12, 6, 10, 15, 14, 9, 12, 16, 10))
mu_steep <- 2 * exp(0.012 * t) * season(0.2)                     # grows past its history: the extrapolation rule
mu_down <- outbreak(20 * exp(-0.004 * t) * season(0.3), c(180:182, 230:232), c(12, 16, 10, 14, 20, 12))
mu_low <- outbreak(rep(0.9, n), c(150:152, 220:221), c(3, 5, 2, 4, 4))
pop <- round(50000 * exp(0.005 * t) * (1 + 0.05 * sin(2 * pi * t / 26)))
mu_pop <- outbreak(pop * 1.6e-4 * season(0.3), c(190:192, 245:247), c(9, 13, 8, 12, 16, 10))

series <- data.frame(
  week = t,
  flat = rpois(n, mu_flat),
  trend = rpois(n, mu_trend),
  steep = rpois(n, mu_steep),
  down = rnbinom(n, mu = mu_down, size = 8),       # overdispersed, decreasing
  low = rpois(n, mu_low),
  pop_counts = rpois(n, mu_pop),
  population = pop
)
write.csv(series, file.path(here, "series.csv"), row.names = FALSE)

# The variant "pearson" patches one line of surveillance: its fitGLM.flexible stores the Farrington weights in
# model$weights, which summary.glm then takes for the IRLS working weights, so the trend's t-test divides by a
# dispersion of sum(w (y - mu)^2 / mu^2) / df instead of the Pearson sum(w (y - mu)^2 / mu) / df. "surveillance"
# is the package as published.
fit_pearson <- surveillance:::algo.farrington.fitGLM.flexible
body(fit_pearson) <- as.call(lapply(as.list(body(fit_pearson)), function(e) {
  if (is.call(e) && identical(e[[1]], as.name("if")) && identical(deparse(e[[2]]), "reweight") && length(e) == 4)
    e[[3]] <- quote(model$farrington_weights <- omega)
  e
}))
fit_published <- surveillance:::algo.farrington.fitGLM.flexible

run <- function(name, b, past, variant, counts, popn = NULL) {
  assignInNamespace("algo.farrington.fitGLM.flexible", if (variant == "pearson") fit_pearson else fit_published,
                    "surveillance")
  s <- if (is.null(popn)) sts(observed = counts, frequency = 52) else sts(observed = matrix(counts, ncol = 1), population = matrix(popn, ncol = 1),
                                                                          frequency = 52)
  ctl <- list(b = b, w = 3, reweight = TRUE, weightsThreshold = 2.58, alpha = 0.05, trend = TRUE,
              pThresholdTrend = 0.05, powertrans = "2/3", noPeriods = 10, pastWeeksNotIncluded = past,
              thresholdMethod = "nbPlugin", populationOffset = !is.null(popn), glmWarnings = FALSE)
  open <- farringtonFlexible(s, control = modifyList(ctl, list(limit54 = c(0, 4))))   # every week gets its bound
  rule <- farringtonFlexible(s, control = modifyList(ctl, list(limit54 = c(5, 4))))   # the alarms as configured
  range <- (52 * b + 3 + 1):n
  data.frame(series = name, b = b, past_weeks = past, variant = variant, t = range, observed = counts[range],
             expected = as.numeric(open@control$expected), upper = as.numeric(upperbound(open)),
             phi = as.numeric(open@control$phiVector), trend = as.integer(open@control$trend),
             alarm = as.integer(alarms(rule)))
}

rows <- list()
for (name in c("flat", "trend", "steep", "down", "low")) {
  for (b in c(2, 3)) {
    for (past in c(48, 26)) {
      for (variant in c("surveillance", "pearson")) rows[[length(rows) + 1]] <- run(name, b, past, variant, series[[name]])
    }
  }
}
for (b in c(2, 3)) for (variant in c("surveillance", "pearson"))
  rows[[length(rows) + 1]] <- run("pop_counts", b, 48, variant, series$pop_counts, series$population)
assignInNamespace("algo.farrington.fitGLM.flexible", fit_published, "surveillance")
ref <- do.call(rbind, rows)
write.csv(ref, file.path(here, "farrington_reference.csv"), row.names = FALSE)

# Poisson LR CUSUM (glrpois with a known change theta = log kappa in the intercept; restarts after each alarm)
set.seed(20261203)
m <- 120
mu0 <- 3 * exp(0.4 * sin(2 * pi * seq_len(m) / 52))
x <- rpois(m, mu0 * ifelse(seq_len(m) %in% c(40:47, 90:95), 2.2, 1))
x_low <- rpois(m, 0.4 * ifelse(seq_len(m) %in% c(30:34, 70:84), 4, 1))
cus <- list()
for (case in list(list("seasonal", x, mu0, 2, 4), list("seasonal", x, mu0, 1.5, 3), list("low", x_low, rep(0.4, m), 2, 4),
                  list("seasonal", x, mu0, 3, 6))) {
  s <- sts(observed = case[[2]], frequency = 52)
  ctl <- list(range = seq_len(m), c.ARL = case[[5]], mu0 = case[[3]], theta = log(case[[4]]), dir = "inc")
  v <- glrpois(s, control = modifyList(ctl, list(ret = "value")))
  k <- glrpois(s, control = modifyList(ctl, list(ret = "cases")))
  cus[[length(cus) + 1]] <- data.frame(case = case[[1]], kappa = case[[4]], h = case[[5]], t = seq_len(m),
                                       observed = case[[2]], mu0 = case[[3]], stat = as.numeric(upperbound(v)),
                                       cases = as.numeric(upperbound(k)), alarm = as.integer(alarms(v)))
}
write.csv(do.call(rbind, cus), file.path(here, "cusum_reference.csv"), row.names = FALSE)

writeLines(sprintf('{"R": "%s", "surveillance": "%s", "generated": "%s"}', R.version.string,
                   as.character(packageVersion("surveillance")), format(Sys.Date())), file.path(here, "versions.json"))
