package dev.sluice.controller.translate;

/**
 * One step of a translation, for one kind of input. Contract: never throws on user input; a bad
 * resource gets a {@link ResourceProblem} in the context and is left out, everything else goes on.
 */
interface Processor {
  void process(TranslationContext ctx);
}
