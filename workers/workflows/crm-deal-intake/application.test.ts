import { describe, expect, it } from "vitest";
import { applicationFrom, applicationFromOpportunity } from "./index.ts";

const passport = { type: "passport", fileName: "passport.pdf", contentType: "application/pdf", sizeBytes: 240_000 };

describe("the application a CRM record describes", () => {
  it("reads a Salesforce Opportunity and its person account into the application onboarding takes", () => {
    const opportunity = {
      Id: "006000000000001AAA",
      Plan__c: "fiber-1000",
      Payment_Method__c: "pm_card_visa",
      Documents__c: JSON.stringify([passport]),
    };
    const account = {
      Id: "001000000000001AAA",
      FirstName: "Grace",
      LastName: "Hopper",
      PersonEmail: "grace@example.com",
      PersonBirthdate: "1986-12-09",
      PersonMobilePhone: "+31612345678",
      BillingCountryCode: "nl",
      Preferred_Channel__c: "SMS",
      Data_Processing_Consent__c: true,
    };
    expect(applicationFromOpportunity(opportunity, account)).toEqual({
      application: {
        email: "grace@example.com",
        name: "Grace Hopper",
        birthDate: "1986-12-09",
        country: "NL",
        plan: "fiber-1000",
        paymentMethod: "pm_card_visa",
        consent: true,
        documents: [passport],
        phone: "+31612345678",
        contactBy: "sms",
      },
    });
  });

  it("names what a Salesforce record lacks by its API names, and an unticked consent as none", () => {
    const built = applicationFromOpportunity(
      { Id: "006000000000002AAA", Plan__c: "fiber-500", Documents__c: "[{}]" },
      { Id: "001000000000002AAA", FirstName: "Lin", BillingCountryCode: "DE", Data_Processing_Consent__c: false },
    );
    expect(built).toEqual({ missing: ["PersonEmail", "PersonBirthdate", "Payment_Method__c", "Documents__c"] });
  });

  it("reads a HubSpot deal and contact as before (text properties, consent as the text true)", () => {
    const built = applicationFrom(
      {
        id: "1",
        properties: { plan: "fiber-500", payment_method: "pm_card_visa", documents: JSON.stringify([passport]) },
      },
      {
        id: "2",
        properties: {
          email: "ada@example.com",
          firstname: "Ada",
          lastname: "Byron",
          date_of_birth: "1990-12-10",
          country: "de",
          data_processing_consent: "false",
        },
      },
    );
    expect(built).toMatchObject({ application: { name: "Ada Byron", country: "DE", consent: false } });
    expect(built).not.toHaveProperty("application.contactBy");
  });
});
