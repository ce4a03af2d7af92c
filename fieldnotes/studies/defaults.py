"""The journey and roles a new study starts with, by its audience (shared/domain.md)."""
import enum


class Audience(enum.StrEnum):
    """The "which C" of a study: who its customers are."""

    CONSUMER = "consumer"
    CUSTOMER = "customer"          # B2B, considered purchases
    CLIENT = "client"              # professional services
    CONSTITUENCY = "constituency"  # citizens, members, voters


# The customer journey, in order (seeds/003).
TOUCHPOINTS = ["Research", "Purchase", "Implementation", "Instruction", "Use", "Support", "Repurchase"]

# Each role wants something different from the same experience (seeds/001).
ROLES = {
    Audience.CUSTOMER: ["Finance executive", "Line-of-business executive", "Departmental manager",
                        "End user", "CIO", "Technical expert"],
    Audience.CONSUMER: ["Shopper", "User", "Household decision maker"],
    Audience.CLIENT: ["Sponsor", "Day-to-day contact", "End user"],
    Audience.CONSTITUENCY: ["Resident", "Member", "Community representative"],
}
