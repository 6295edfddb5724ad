/**
 * The recurrent activation of the LSTM/GRU gates in our shaders: one uniform, `uSlope`, 0 for the
 * logistic sigmoid, else a hard sigmoid's slope (core's HARD_SIGMOID_SLOPE: 0.2 Keras 2 / tfjs,
 * 1/6 Keras 3), so one compiled program serves all three. Branching on a uniform costs nothing
 * measurable next to the texture fetches.
 *
 *   gate_(x)   sig(x): 1 / (1 + e^-x), or clamp(slope * x + 0.5, 0, 1)
 *   dgate_(y)  sig'(x) from y = sig(x): y (1 - y), or slope where 0 < y < 1 and 0 elsewhere,
 *              also at a kink (y exactly 0 or 1), as core's recurrent-activation.ts says.
 */
import { hardSigmoidSlope } from '@recurrent/core';
import type { Uniform } from './program.js';

export const SLOPE_UNIFORM: Uniform = { name: 'uSlope', type: 'float' };

const overloads = (t: string) => `
${t} gate_(${t} x) { return uSlope == 0.0 ? sigmoid_(x) : clamp(uSlope * x + 0.5, 0.0, 1.0); }
${t} dgate_(${t} y) { return uSlope == 0.0 ? y * (1.0 - y) : uSlope * ${t}(greaterThan(y, ${t}(0.0))) * ${t}(lessThan(y, ${t}(1.0))); }`;

/** GLSL for a program that declares SLOPE_UNIFORM. */
export const GATE_GLSL = `
float gate_(float x) { return uSlope == 0.0 ? sigmoid_(x) : clamp(uSlope * x + 0.5, 0.0, 1.0); }
float dgate_(float y) { return uSlope == 0.0 ? y * (1.0 - y) : (y > 0.0 && y < 1.0 ? uSlope : 0.0); }
${overloads('vec2')}
${overloads('vec4')}
`;

/** The uniform's value for a fused op's recurrentActivation, or undefined (the kernel declines) for a value we have no code for. */
export const gateSlope = (recurrentActivation: unknown): number | undefined => hardSigmoidSlope(recurrentActivation);
