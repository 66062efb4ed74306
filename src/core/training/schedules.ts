/** Schedules are pure functions of the global step. */

/**
 * Linear KL warm-up: β(step) = β · min(1, step / warmupSteps); a warm-up of
 * zero steps gives β from the first step.
 */
export function linearWarmup(beta: number, warmupSteps: number): (step: number) => number {
  if (warmupSteps <= 0) return () => beta;
  return (step) => beta * Math.min(1, step / warmupSteps);
}
