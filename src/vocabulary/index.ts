/**
 * The vocabulary: every word nbrepro shows a person, as pure functions from
 * the model (what the door read, a drift report, a state) to translated text.
 * Panel, toasts, status item, toolbar and dialogs take their words from here
 * and only here, so that one thing is said one way everywhere. A module per
 * subject; add a subject as a module and export it below. Tested without a
 * browser (test/ts/vocabulary/).
 */
export * from './drift';
export * from './environment';
export * from './findings';
export * from './runs';
export * from './status';
