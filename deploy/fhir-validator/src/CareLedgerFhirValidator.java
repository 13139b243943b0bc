import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.UnknownCodeSystemWarningValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;

/**
 * Validates FHIR R4 JSON files with HAPI FHIR's instance validator (the HL7 reference validator's core),
 * offline: the R4 core profiles, value sets and common code systems come from the jars. One JVM validates
 * every file given, so a test pays the start-up once (ADR 1111).
 *
 * <p>Prints one JSON line per file: {"file", "errors", "warnings", "messages": [{"severity", "location",
 * "message"}]}. Exit status 0 when no file has an error (warnings do not fail), 1 when one does, 2 on
 * bad usage or an unreadable file. Code systems the validator cannot know offline (ICD-10-CM, CPT/HCPCS)
 * are reported as warnings, not errors, by UnknownCodeSystemWarningValidationSupport.
 */
public final class CareLedgerFhirValidator {
  private CareLedgerFhirValidator() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: CareLedgerFhirValidator FILE.json...");
      System.exit(2);
    }
    FhirContext ctx = FhirContext.forR4();
    UnknownCodeSystemWarningValidationSupport unknownCodes = new UnknownCodeSystemWarningValidationSupport(ctx);
    unknownCodes.setNonExistentCodeSystemSeverity(
        org.hl7.fhir.common.hapi.validation.support.UnknownCodeSystemWarningValidationSupport.IssueSeverity.WARNING);
    ValidationSupportChain chain =
        new ValidationSupportChain(
            new DefaultProfileValidationSupport(ctx),
            new CommonCodeSystemsTerminologyService(ctx),
            new InMemoryTerminologyServerValidationSupport(ctx),
            new SnapshotGeneratingValidationSupport(ctx),
            unknownCodes);
    FhirInstanceValidator module = new FhirInstanceValidator(chain);
    FhirValidator validator = ctx.newValidator().registerValidatorModule(module);

    boolean anyError = false;
    for (String file : args) {
      String text;
      try {
        text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
      } catch (Exception e) {
        System.err.println("cannot read " + file + ": " + e.getMessage());
        System.exit(2);
        return;
      }
      ValidationResult result = validator.validateWithResult(text);
      JsonArray messages = new JsonArray();
      int errors = 0;
      int warnings = 0;
      for (SingleValidationMessage m : result.getMessages()) {
        ResultSeverityEnum s = m.getSeverity();
        if (s == ResultSeverityEnum.ERROR || s == ResultSeverityEnum.FATAL) errors++;
        else if (s == ResultSeverityEnum.WARNING) warnings++;
        else continue;
        JsonObject o = new JsonObject();
        o.addProperty("severity", s.getCode());
        o.addProperty("location", m.getLocationString());
        o.addProperty("message", m.getMessage());
        messages.add(o);
      }
      JsonObject line = new JsonObject();
      line.addProperty("file", file);
      line.addProperty("errors", errors);
      line.addProperty("warnings", warnings);
      line.add("messages", messages);
      System.out.println(line.toString());
      System.out.flush();
      anyError |= errors > 0;
    }
    System.exit(anyError ? 1 : 0);
  }
}
