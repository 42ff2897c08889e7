-- Contract: the statistics helpers are total functions (issue 14, item 6): no input makes
-- them raise, and the extremes have exact values.
-- experiments.erfc: below the smallest double the answer is exactly 0 (x > 0) or 2 (x < 0);
-- experiments.normal_cdf: Phi(-40) = 0, Phi(40) = 1; insights.confidence: clamped to [0, 1].
select plan(17);

select is(experiments.erfc(30), 0::double precision, 'erfc(30) = 0 exactly (was 22003 underflow)');
select is(experiments.erfc(-30), 2::double precision, 'erfc(-30) = 2 exactly');
select is(experiments.erfc('Infinity'), 0::double precision, 'erfc(+Infinity) = 0');
select is(experiments.erfc('-Infinity'), 2::double precision, 'erfc(-Infinity) = 2');
select ok(experiments.erfc(26) > 0 and experiments.erfc(26) < 1e-294, 'erfc(26) = 5.6e-296 is still a positive number, not flushed to 0');
select ok(experiments.erfc(1e300) = 0 and experiments.erfc(-1e300) = 2, 'erfc(+-1e300) = 0 / 2 (no overflow of z squared)');
select is(experiments.normal_cdf(40), 1::double precision, 'normal_cdf(40) = 1 exactly (was 22003)');
select is(experiments.normal_cdf(-40), 0::double precision, 'normal_cdf(-40) = 0 exactly (was 22003)');
select ok(abs(experiments.normal_cdf(0) - 0.5) < 1e-7, 'normal_cdf(0) = 0.5 (within the 1.2e-7 of the approximation)');
select is(experiments.normal_cdf('-Infinity'), 0::double precision, 'normal_cdf(-Infinity) = 0');
select ok(experiments.erfc('NaN') = 'NaN' and experiments.normal_cdf('NaN') = 'NaN', 'NaN in, NaN out');

select is(insights.confidence(30, 30, 30, 30), 1.00::numeric(3,2), 'confidence(30, 30, 30, 30) = 1.00 (600 before clamping; was 22003 overflow)');
select is(insights.confidence(0.9, 30, 20, 1.0), 0.90::numeric(3,2), 'confidence(0.9, 30 points of 20 required, monotonic) = 0.9 x min(1, 30/30) x 1 = 0.90');
select is(insights.confidence(0.9, 15, 20, 0.8), 0.36::numeric(3,2), 'confidence(0.9, 15 of 20, noisy) = 0.9 x 0.5 x 0.8 = 0.36');
select is(insights.confidence(0.9, -5, 20, 1.0), 0.00::numeric(3,2), 'negative data points: 0.00, not a negative confidence');
select is(insights.confidence(1e100, 1e100, 1e-100, 1e100), 1.00::numeric(3,2), 'huge inputs: 1.00');
select is(insights.confidence(0.9, 30, 0, 1.0), null::numeric(3,2), 'required = 0: NULL (no candidate), as documented');

select * from finish();
