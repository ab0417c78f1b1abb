# Reference values for zhijian's count detectors, from R's `surveillance` package (the reference implementation).
#
#   Rscript tests/risk/reference/make_reference.R      (from the repository root; Debian: r-base-core r-cran-surveillance)
#
# Writes, beside this script:
#   series.csv                 the seeded test series (one column each) and the population of the offset case
#   farrington_reference.csv   farringtonFlexible per series × b × pastWeeksNotIncluded × variant, every week of the range
#   cusum_reference.csv        glrpois with theta = log(kappa) (the Poisson LR CUSUM) on given in-control means
#   series_sparse.csv          a sparse weekly series (about 0.2 a week) for EARS
#   ears_reference.csv         earsC C1 / C2 / C3 on the weekly series, minSigma 0.5 and 0; C3 also as defined
#   rates_reference.csv        monthly rates: categoricalCUSUM (binomial), and by formula the exact p-chart,
#                              Laney p', EWMA of proportions and the Spiegelhalter funnel
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

# EARS C1 / C2 / C3 (earsC) on the weekly series above. zhijian alarms when C1, C2 > k = 3 and C3 > k = 2;
# earsC alarms when y > mean + qnorm(1 - alpha) * max(sd, minSigma), so alpha = pnorm(-k) is the exact mapping
# (qnorm(1 - pnorm(-k)) = k to 1e-12). minSigma = 0.5 is zhijian's default, 0 the package's.
# C3 twice: "surveillance" is earsC as published: its bound y_t + S_t (z - p_{t-1} - p_{t-2}) (p_i = max(0, C2_i - 1))
# puts the observed count where the C2 mean belongs, so its alarm (p_{t-1} + p_{t-2} > z and y_t > 0) ignores the
# week judged. "hutwagner" is the statistic as defined: R reference by formula, source: Hutwagner et al. (2003),
# J Urban Health 80(2 Suppl 1):i89-i96, and the earsC help page: C3_t = sum_{i=t-2..t} max(0, C2_i - 1), alarm when
# C3_t > z; its C2_i are base R mean/sd of the 7 weeks i-9..i-3 (checked against earsC's C2 bound below).
# A sparse series (two years of about 0.2 a week, so many 7-week baselines are all zeros: minSigma at work) is
# added, in its own file series_sparse.csv.
set.seed(20261205)
sparse <- rpois(104, 0.2)
sparse[c(60:62, 90)] <- sparse[c(60:62, 90)] + c(3, 4, 2, 2)
write.csv(data.frame(week = seq_along(sparse), sparse = sparse), file.path(here, "series_sparse.csv"), row.names = FALSE)
ears_input <- c(as.list(series[c("flat", "trend", "steep", "down", "low", "pop_counts")]), list(sparse = sparse))
ears_rows <- list()
for (name in names(ears_input)) {
  y <- ears_input[[name]]
  ny <- length(y)
  s <- sts(observed = y, frequency = 52)
  for (ms in c(0.5, 0)) {
    for (method in c("C1", "C2", "C3")) {
      k <- if (method == "C3") 2 else 3
      r <- earsC(s, control = list(method = method, baseline = 7, minSigma = ms, alpha = pnorm(-k)))
      rng <- r@control$range
      ears_rows[[length(ears_rows) + 1]] <- data.frame(
        series = name, method = method, variant = "surveillance", min_sigma = ms, k = k, t = rng, observed = y[rng],
        stat = NA_real_, upper = as.numeric(upperbound(r)), alarm = as.integer(alarms(r)))
      if (method == "C3") {
        c2 <- rep(NA_real_, ny)
        for (i in 10:ny) { ref <- y[(i - 9):(i - 3)]; c2[i] <- (y[i] - mean(ref)) / max(sd(ref), ms) }
        chk <- earsC(s, control = list(method = "C2", baseline = 7, minSigma = ms, alpha = pnorm(-3)))
        sd2 <- sapply(10:ny, function(i) max(sd(y[(i - 9):(i - 3)]), ms))
        mean2 <- sapply(10:ny, function(i) mean(y[(i - 9):(i - 3)]))
        stopifnot(isTRUE(all.equal(as.numeric(upperbound(chk)), mean2 + qnorm(1 - pnorm(-3)) * sd2, tolerance = 1e-12)))
        part <- pmax(0, c2 - 1)
        c3 <- part[rng] + part[rng - 1] + part[rng - 2]
        ears_rows[[length(ears_rows) + 1]] <- data.frame(
          series = name, method = method, variant = "hutwagner", min_sigma = ms, k = k, t = rng, observed = y[rng],
          stat = c3, upper = NA_real_, alarm = as.integer(c3 > k))
      }
    }
  }
}
write.csv(do.call(rbind, ears_rows), file.path(here, "ears_reference.csv"), row.names = FALSE)

# Rate detectors on monthly spot-check series: x failing batches out of n, national rate p0 (zhijian's settings:
# alpha = 0.0027, Laney L = 3, EWMA lambda = 0.2 and L = 2.7, CUSUM h = 4 and odds ratio 2, funnel alpha = 0.002,
# and one other setting each).
set.seed(20261204)
M <- 48
mon <- seq_len(M)
n_steady <- rpois(M, 40)
n_small <- sample(c(0, 1, 2, 3, 5), M, replace = TRUE, prob = c(0.15, 0.25, 0.25, 0.2, 0.15))
n_over <- rpois(M, 60)
n_rare <- rpois(M, 200)
rate_series <- list(
  steady = list(x = rbinom(M, n_steady, ifelse(mon >= 36, 0.12, 0.06)), n = n_steady, p0 = 0.06),    # step up
  small = list(x = rbinom(M, n_small, ifelse(mon %in% 30:35, 0.8, 0.1)), n = n_small, p0 = 0.1),      # n = 0..5
  over = list(x = rbinom(M, n_over, rbeta(M, 0.08 * 30, 0.92 * 30)), n = n_over, p0 = 0.08),          # overdispersed
  rare = list(x = rbinom(M, n_rare, ifelse(mon %in% 40:42, 0.035, 0.01)), n = n_rare, p0 = 0.01))     # spike

# binomial LLR CUSUM: surveillance::categoricalCUSUM with the binomial PMF (Hoehle 2010), k = 2 categories
# (failing, passing), pi1 = the rate whose odds are odds_ratio x those of p0; resets to 0 after each alarm.
dbin <- function(y, size, mu, log = FALSE) dbinom(y[1, ], size, mu[1, ], log = log)
attr(dbin, "isBinomialPMF") <- TRUE
cusum_rates <- function(x, n, p0, h, or) {
  s <- sts(observed = unname(cbind(x, n - x)), populationFrac = unname(cbind(n, n)), frequency = 12,
           multinomialTS = TRUE)
  p1 <- plogis(qlogis(p0) + log(or))
  ctl <- list(range = seq_along(x), h = h, pi0 = rbind(rep(p0, length(x)), 1 - p0),
              pi1 = rbind(rep(p1, length(x)), 1 - p1), dfun = dbin)
  v <- categoricalCUSUM(s, control = modifyList(ctl, list(ret = "value")))
  k <- categoricalCUSUM(s, control = modifyList(ctl, list(ret = "cases")))
  data.frame(center = NA_real_, lcl = NA_real_, ucl = h, stat = as.numeric(upperbound(v)[, 1]), p_value = NA_real_,
             alarm = as.integer(alarms(v)[, 1]), cases = as.numeric(upperbound(k)[, 1]))
}
# p-chart with exact binomial limits: R reference by formula, source: the exact binomial test (Clopper-Pearson
# tail) as a Shewhart chart, e.g. Montgomery, Introduction to Statistical Quality Control, 7th ed., sec. 7.2:
# limits qbinom(alpha/2 and 1 - alpha/2, n, p0) / n, alarm when P(X >= x | n, p0) <= alpha/2.
pchart <- function(x, n, p0, alpha) {
  ok <- n > 0
  data.frame(center = p0, lcl = ifelse(ok, qbinom(alpha / 2, n, p0) / n, NA),
             ucl = ifelse(ok, qbinom(1 - alpha / 2, n, p0) / n, NA), stat = ifelse(ok, x / n, NA),
             p_value = ifelse(ok, pbinom(x - 1, n, p0, lower.tail = FALSE), NA),
             alarm = as.integer(ok & pbinom(x - 1, n, p0, lower.tail = FALSE) <= alpha / 2), cases = NA_real_)
}
# Laney p' chart: R reference by formula, source: Laney (2002), Quality Engineering 14(4):531-537: z_i from the
# pooled rate, sigma_z = mean moving range of the z_i (months with n = 0 skipped) / d2, d2 = 2/sqrt(pi) = 1.128,
# limits pbar +- L sigma_z sqrt(pbar(1 - pbar)/n_i), alarm when z_i / sigma_z > L.
laney <- function(x, n, L) {
  pbar <- sum(x) / max(sum(n), 1)
  sig <- sqrt(pbar * (1 - pbar) / n)
  z <- ifelse(n > 0 & sig > 0, (x / n - pbar) / sig, NA)
  zo <- z[!is.na(z)]
  sz <- if (length(zo) >= 2) mean(abs(diff(zo))) / (2 / sqrt(pi)) else 1
  if (!is.finite(sz) || sz <= 0) sz <- 1
  zp <- z / sz
  data.frame(center = pbar, lcl = pmax(pbar - L * sig * sz, 0), ucl = pmin(pbar + L * sig * sz, 1),
             stat = ifelse(n > 0, x / n, NA), p_value = pnorm(zp, lower.tail = FALSE),
             alarm = as.integer(!is.na(zp) & zp > L), cases = NA_real_)
}
# EWMA of proportions: R reference by formula, source: Roberts (1959), Technometrics 1:239-250, and Montgomery
# (7th ed.) sec. 9.2: z_t = lambda p_t + (1 - lambda) z_{t-1}, z_0 = p0, with the exact variance for unequal n,
# V_t = (1 - lambda)^2 V_{t-1} + lambda^2 p0 (1 - p0) / n_t (months with n = 0 leave z and V unchanged);
# upper limit p0 + L sqrt(V_t).
ewma <- function(x, n, p0, lam, L) {
  z <- p0; v <- 0; Z <- V <- numeric(length(x))
  for (t in seq_along(x)) {
    if (n[t] > 0) { z <- lam * x[t] / n[t] + (1 - lam) * z; v <- (1 - lam)^2 * v + lam^2 * p0 * (1 - p0) / n[t] }
    Z[t] <- z; V[t] <- v
  }
  sdv <- sqrt(V)
  data.frame(center = p0, lcl = pmax(p0 - L * sdv, 0), ucl = p0 + L * sdv, stat = Z,
             p_value = ifelse(sdv > 0, pnorm((Z - p0) / sdv, lower.tail = FALSE), NA),
             alarm = as.integer(sdv > 0 & Z > p0 + L * sdv), cases = NA_real_)
}
rate_rows <- list()
add_rate <- function(series, method, par, d, x, n, p0) {
  rate_rows[[length(rate_rows) + 1]] <<- cbind(data.frame(series = series, method = method, param = par,
                                                          t = seq_along(x), x = x, n = n, p0 = p0), d)
}
for (name in names(rate_series)) {
  r <- rate_series[[name]]
  for (a in c(0.0027, 0.05)) add_rate(name, "p_exact", sprintf("alpha=%g", a), pchart(r$x, r$n, r$p0, a), r$x, r$n, r$p0)
  for (L in c(3, 2)) add_rate(name, "laney", sprintf("L=%g", L), laney(r$x, r$n, L), r$x, r$n, r$p0)
  for (e in list(c(0.2, 2.7), c(0.1, 3))) add_rate(name, "ewma", sprintf("lambda=%g;L=%g", e[1], e[2]),
                                                  ewma(r$x, r$n, r$p0, e[1], e[2]), r$x, r$n, r$p0)
  for (cc in list(c(4, 2), c(2.5, 1.5))) add_rate(name, "cusum", sprintf("h=%g;odds_ratio=%g", cc[1], cc[2]),
                                                 cusum_rates(r$x, r$n, r$p0, cc[1], cc[2]), r$x, r$n, r$p0)
}
rates_ref <- do.call(rbind, rate_rows)
rates_ref$z <- NA_real_; rates_ref$phi <- NA_real_; rates_ref$tau2 <- NA_real_; rates_ref$warn <- NA_integer_

# Spiegelhalter funnel of 31 provinces (t = the unit): R reference by formula, source: Spiegelhalter (2005),
# Stat Med 24:1185-1202 and Qual Saf Health Care 14:347-351: z_i = (y_i - theta0) / s_i, s_i^2 = theta0 (1 - theta0) / n_i;
# phi = mean of the z_i winsorised at their 10 % and 90 % points (R's default quantile, type 7); when I phi > I - 1,
# tau^2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w), w = 1 / s^2; limits theta0 +- z_{1-alpha/2} sqrt(s_i^2 + tau^2).
funnel_ref <- function(x, n, target, alpha, winsor = 0.1) {
  s2 <- target * (1 - target) / n
  z <- (x / n - target) / sqrt(s2)
  q <- quantile(z, c(winsor, 1 - winsor), names = FALSE)
  zw <- pmin(pmax(z, q[1]), q[2])
  I <- length(z)
  phi <- sum(zw^2) / I
  w <- 1 / s2
  tau2 <- if (I * phi > I - 1) max(0, (I * phi - (I - 1)) / (sum(w) - sum(w^2) / sum(w))) else 0
  zadj <- (x / n - target) / sqrt(s2 + tau2)
  zq <- qnorm(1 - alpha / 2)
  data.frame(center = target, lcl = pmax(target - zq * sqrt(s2 + tau2), 0), ucl = pmin(target + zq * sqrt(s2 + tau2), 1),
             stat = zadj, p_value = pnorm(zadj, lower.tail = FALSE), alarm = as.integer(zadj > zq), cases = NA_real_,
             z = z, phi = phi, tau2 = tau2, warn = as.integer(zadj > qnorm(0.975)))
}
units <- 31
n_units <- round(exp(runif(units, log(5), log(800))))
p_over <- rbeta(units, 0.05 * 40, 0.95 * 40); p_over[c(4, 17)] <- 0.15
x_over <- rbinom(units, n_units, p_over)
p_bin <- rep(0.05, units); p_bin[9] <- 0.14
x_bin <- rbinom(units, n_units, p_bin)
for (a in c(0.002, 0.05)) {
  pooled <- sum(x_over) / sum(n_units)     # target = the pooled rate (zhijian's default)
  rate_rows <- list()
  add_rate("provinces_over", "funnel_pooled", sprintf("alpha=%g", a), funnel_ref(x_over, n_units, pooled, a),
           x_over, n_units, pooled)
  add_rate("provinces_binomial", "funnel", sprintf("alpha=%g", a), funnel_ref(x_bin, n_units, 0.05, a), x_bin,
           n_units, 0.05)
  rates_ref <- rbind(rates_ref, do.call(rbind, rate_rows))
}
write.csv(rates_ref, file.path(here, "rates_reference.csv"), row.names = FALSE)

writeLines(sprintf(paste0('{"R": "%s", "surveillance": "%s", "generated": "%s", "files": ["series.csv", ',
                          '"farrington_reference.csv", "cusum_reference.csv", "series_sparse.csv", ',
                          '"ears_reference.csv", "rates_reference.csv"]}'), R.version.string,
                   as.character(packageVersion("surveillance")), format(Sys.Date())), file.path(here, "versions.json"))
